/**
 * The scorer's V8 heap sizes as it is deployed: its Dockerfile (`NODE_OPTIONS`), `npm start`
 * and the demo give the same flags (test/scorer-flags.test.ts keeps them equal). A 64 MB young
 * generation for fewer scavenges at a steady rate; a 64 MB initial old generation so that the
 * relay thread's old-generation slack is not below its young generation, which made V8 start a
 * full collection every ~250 ms (docs/performance.md, 2026-12-03).
 */
export const SCORER_HEAP_FLAGS: readonly string[] = ['--max-semi-space-size=64', '--initial-old-space-size=64'];
