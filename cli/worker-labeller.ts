/**
 * The labeller of the screening queue (`cacs screen`, `cacs worker`): both must name the same one,
 * since the producer decides from it whether a stored result is already current.
 */
import fs from 'node:fs';
import path from 'node:path';
import { RULES_LABELLER, type LabellerKind } from '../core/labelling/rules';
import { UsageError, type ParsedArgs } from './args';
import { DEFAULT_MODEL_NAME, MODELS_DIR } from './labeller';

export const LABELLER_HELP = `  --labeller NAME       rules (default: the anatomy rules) or model (the shipped ONNX model);
                        producer and workers must use the same`;

export function labellerOption(args: ParsedArgs): LabellerKind {
  const name = args.values.get('labeller') ?? 'rules';
  if (name !== 'rules' && name !== 'model') throw new UsageError(`--labeller must be rules or model (got '${name}')`);
  return name;
}

/** Name and version the labeller writes into the SR (TID 4019). */
export async function labellerIdentity(kind: LabellerKind): Promise<{ name: string; version: string }> {
  if (kind === 'rules') return { ...RULES_LABELLER };
  const manifestPath = process.env.CACS_MODEL || path.join(MODELS_DIR, `${DEFAULT_MODEL_NAME}.json`);
  try {
    const m = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as { name?: unknown; version?: unknown };
    if (typeof m.name === 'string' && typeof m.version === 'string') return { name: m.name, version: m.version };
  } catch {
    /* said below */
  }
  throw new UsageError(`the labelling model manifest ${manifestPath} cannot be read; use --labeller rules, or reinstall the package`);
}
