// Types of scripts/layers.mjs for TypeScript callers (test/architecture/layers.test.ts).
/** Files in src/ longer than this many lines are reported. */
export const MAX_FILE_LINES: number;
/** Target layers, lowest first. */
export const LAYERS: { name: string; nodes: string[] }[];
/** Every figure of the import-layer report. */
export function report(): {
  nodes: number;
  graph: Record<string, Record<string, { files: number; typeOnly: boolean }>>;
  cycles: string[][];
  mutual: string[];
  upward: { edge: string; files: string[]; typeOnly: boolean }[];
  unplaced: string[];
  oversized: { file: string; lines: number }[];
  /** Files whose length is checked against MAX_FILE_LINES (src/ and web-ui/src/), relative to the repo. */
  sized: string[];
  srcLines: number;
  outsideImports: { file: string; target: string }[];
};
/** Strongly connected components with more than one node of a folder graph (from → to → edge), each sorted, largest first. */
export function cycles(edges: Map<string, Map<string, unknown>>): string[][];
