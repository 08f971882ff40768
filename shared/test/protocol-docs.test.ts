import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/**
 * The README's protocol tables name every Socket.IO event of both namespaces: each key of the
 * typed event maps in shared/src (what clients and advisors send, what the server sends them)
 * has a row, with the right direction, and no row names an event the maps lack.
 */
const ROOT = path.resolve(__dirname, '../..');

/** The property names of each named interface, as the TypeScript checker sees them (extends and computed keys resolved). */
function eventNames(files: string[], interfaces: string[]): Record<string, string[]> {
  const program = ts.createProgram(
    files.map((f) => path.join(ROOT, f)),
    { strict: true, noEmit: true, skipLibCheck: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS },
  );
  const checker = program.getTypeChecker();
  const found: Record<string, string[]> = {};
  const ours = path.join(ROOT, 'shared/src');
  for (const source of program.getSourceFiles().filter((f) => f.fileName.startsWith(ours))) {
    ts.forEachChild(source, (node) => {
      if (ts.isInterfaceDeclaration(node) && interfaces.includes(node.name.text)) {
        const type = checker.getTypeAtLocation(node.name);
        found[node.name.text] = checker.getPropertiesOfType(type).map((p) => p.getName());
      }
    });
  }
  return found;
}

/** The events named in the second column of one `### …` section's table rows, by direction. */
function documented(readme: string, heading: string): Map<string, Set<string>> {
  const start = readme.indexOf(`\n### ${heading}`);
  if (start < 0) throw new Error(`README has no section "### ${heading}"`);
  const end = readme.indexOf('\n### ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const byDirection = new Map<string, Set<string>>();
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 4 || !/→/.test(cells[1]!)) continue;
    const names = [...cells[2]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    const set = byDirection.get(cells[1]!) ?? new Set<string>();
    names.forEach((x) => set.add(x));
    byDirection.set(cells[1]!, set);
  }
  return byDirection;
}

describe('the README protocol tables', () => {
  const maps = eventNames(
    ['shared/src/protocol/index.ts', 'shared/src/realtime.ts'],
    ['AdvisorRequestEvents', 'ClientRequestEvents', 'ServerToClientEvents', 'ServerToAdvisorEvents'],
  );
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const client = documented(readme, 'Trading app client');
  const advisor = documented(readme, 'Advisor console');

  it('reads all four event maps', () => {
    expect(Object.keys(maps).sort()).toEqual([
      'AdvisorRequestEvents',
      'ClientRequestEvents',
      'ServerToAdvisorEvents',
      'ServerToClientEvents',
    ]);
    expect(maps.AdvisorRequestEvents).toContain('chat:transfer');
    expect(maps.ServerToAdvisorEvents).toContain('offer');
  });

  it.each([
    ['/client', 'client → server', 'ClientRequestEvents', client],
    ['/client', 'server → client', 'ServerToClientEvents', client],
    ['/advisor', 'advisor → server', 'AdvisorRequestEvents', advisor],
    ['/advisor', 'server → advisor', 'ServerToAdvisorEvents', advisor],
  ] as const)('%s %s: one row for each event of %s, none extra', (_ns, direction, map, tables) => {
    const inCode = [...maps[map]!].sort();
    const inReadme = [...(tables.get(direction) ?? [])].sort();
    expect({ missingFromReadme: inCode.filter((e) => !inReadme.includes(e)) }).toEqual({ missingFromReadme: [] });
    expect({ notInCode: inReadme.filter((e) => !inCode.includes(e)) }).toEqual({ notInCode: [] });
  });
});
