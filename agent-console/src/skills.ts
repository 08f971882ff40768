import path from 'node:path';
import { z } from 'zod';
import { INTENT_IDS } from '@brokerbot/flows';
import { WatchedFile, readJsonFile, type WatchedFileEvent } from '@brokerbot/shared';

/** The bundled intent → skill file. */
export const DEFAULT_SKILLS_PATH = path.join(__dirname, '..', 'data', 'routing', 'skills.json');

/** The skills file (agent-console/data/routing/skills.json), validated on every load. */
export const skillsFileSchema = z
  .object({
    version: z.string().min(1),
    note: z.string().optional(),
    skills: z.array(z.string().min(1)).min(1),
    /** Escalation reason (its part before ':', e.g. `complaint`) → skill. Checked before intents. */
    reasons: z.record(z.string().min(1)).default({}),
    /** NLU intent id (flows/src/nlu/labels.ts) → skill. */
    intents: z.record(z.string().min(1)),
  })
  .superRefine((file, ctx) => {
    const skills = new Set(file.skills);
    for (const [where, map] of [
      ['reasons', file.reasons],
      ['intents', file.intents],
    ] as const) {
      for (const [key, skill] of Object.entries(map)) {
        if (!skills.has(skill)) {
          ctx.addIssue({ code: 'custom', path: [where, key], message: `skill "${skill}" is not in "skills"` });
        }
      }
    }
    const known = new Set<string>(INTENT_IDS);
    for (const intent of Object.keys(file.intents)) {
      if (!known.has(intent)) ctx.addIssue({ code: 'custom', path: ['intents', intent], message: `unknown intent "${intent}"` });
    }
  });
export type SkillsFile = z.infer<typeof skillsFileSchema>;

export class SkillsFileError extends Error {}

/** Reads and validates a skills file; the error names the file and every bad field. */
export function readSkills(file: string): SkillsFile {
  return readJsonFile(file, skillsFileSchema, 'routing skills', (message) => new SkillsFileError(message));
}

/**
 * The skill a chat needs: the first escalation reason with a skill, else the latest client
 * intent with one (intents newest first), else none (any advisor of the branch).
 */
export function skillFor(skills: SkillsFile, reasons: readonly string[], intentsNewestFirst: readonly string[]): string | null {
  for (const reason of reasons) {
    const [kind, detail] = reason.split(':');
    const byReason = skills.reasons[kind ?? ''];
    if (byReason) return byReason;
    // `high_risk_intent:margin_call` names an intent.
    if (kind === 'high_risk_intent' && detail && skills.intents[detail]) return skills.intents[detail]!;
  }
  for (const intent of intentsNewestFirst) {
    const skill = skills.intents[intent];
    if (skill) return skill;
  }
  return null;
}

/**
 * The skills mapping in force, reloaded when its file changes (see WatchedFile). A bad edit is
 * reported through `onChange` and the previous mapping stays in force.
 */
export class SkillsStore extends WatchedFile<SkillsFile> {
  constructor(file = DEFAULT_SKILLS_PATH, onChange?: (event: WatchedFileEvent) => void) {
    super(file, readSkills);
    if (onChange) this.subscribe(onChange);
  }
}
