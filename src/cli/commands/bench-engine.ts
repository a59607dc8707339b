export async function runBench(): Promise<number> {
  console.error('govflow bench engine: not available yet');
  return 1;
}
