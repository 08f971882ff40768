import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '@brokerbot/shared';
import { scenarioProblems, scenarioSchema, type Scenario } from './scenario-schema';

/** The bundled scenarios (PRACTICE_SCENARIOS_DIR overrides). */
export const DEFAULT_SCENARIOS_DIR = path.join(__dirname, '..', '..', 'data', 'practice', 'scenarios');

/** A scenario file that cannot be used, and why (one line per problem). */
export interface ScenarioFileProblem {
  file: string;
  problems: string[];
}

export interface ScenarioFolder {
  scenarios: Scenario[];
  /** Files left out, with the reasons; the valid files are still used. */
  invalid: ScenarioFileProblem[];
}

/**
 * Reads and validates every `*.json` file of a scenario folder. A file must hold one scenario
 * whose `id` is its file name (margin-call-anxious.json → "margin-call-anxious"); an unreadable
 * file, bad JSON, a schema violation or a repeated id leaves that file out with a clear reason.
 */
export function readScenarioFolder(dir: string): ScenarioFolder {
  const scenarios: Scenario[] = [];
  const invalid: ScenarioFileProblem[] = [];
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort();
  } catch (err) {
    return { scenarios, invalid: [{ file: dir, problems: [`cannot read the scenario folder: ${(err as Error).message}`] }] };
  }
  const seen = new Set<string>();
  for (const file of files) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
    } catch (err) {
      invalid.push({ file, problems: [`not valid JSON: ${(err as Error).message}`] });
      continue;
    }
    const parsed = scenarioSchema.safeParse(raw);
    if (!parsed.success) {
      invalid.push({ file, problems: scenarioProblems(parsed.error) });
      continue;
    }
    const scenario = parsed.data;
    const problems: string[] = [];
    if (`${scenario.id}.json` !== file) problems.push(`id: "${scenario.id}" must match the file name (${scenario.id}.json)`);
    if (seen.has(scenario.id)) problems.push(`id: "${scenario.id}" is used by another file`);
    if (problems.length > 0) {
      invalid.push({ file, problems });
      continue;
    }
    seen.add(scenario.id);
    scenarios.push(scenario);
  }
  return { scenarios, invalid };
}

/** How long a read of the folder is trusted before the files are checked for changes again. */
const RECHECK_MS = 5_000;

/**
 * The scenario folder, re-read when a file changes (checked at most every 5 s, on use). Invalid
 * files are logged once per change with every reason, and left out.
 */
export class ScenarioLibrary {
  private folder: ScenarioFolder = { scenarios: [], invalid: [] };
  private signature = '';
  private checkedAt = 0;

  constructor(
    readonly dir: string,
    private readonly logger: Pick<Logger, 'error' | 'info'>,
    private readonly recheckMs = RECHECK_MS,
  ) {}

  /** The valid scenarios of the folder. */
  list(): Scenario[] {
    this.refresh();
    return this.folder.scenarios;
  }

  get(id: string): Scenario | null {
    return this.list().find((s) => s.id === id) ?? null;
  }

  /** Files left out at the last read, and why. */
  problems(): ScenarioFileProblem[] {
    this.refresh();
    return this.folder.invalid;
  }

  private refresh(): void {
    const now = Date.now();
    if (this.signature !== '' && now - this.checkedAt < this.recheckMs) return;
    this.checkedAt = now;
    const signature = folderSignature(this.dir);
    if (signature === this.signature) return;
    this.signature = signature;
    this.folder = readScenarioFolder(this.dir);
    for (const bad of this.folder.invalid) {
      this.logger.error(
        { file: bad.file, problems: bad.problems },
        `practice scenario left out: ${bad.file}: ${bad.problems.join('; ')}`,
      );
    }
  }
}

/** Names, sizes and modification times of the folder's files: changes when any file does. */
function folderSignature(dir: string): string {
  try {
    return (
      readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map((f) => {
          const s = statSync(path.join(dir, f));
          return `${f}:${s.size}:${s.mtimeMs}`;
        })
        .join('|') || 'empty'
    );
  } catch {
    return 'unreadable';
  }
}
