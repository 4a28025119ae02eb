export interface RunOptions {
  /** Orders to place (distinct carts). */
  orders: number;
  /** Keep everything up afterwards for a person to explore. */
  keepRunning: boolean;
  /** Echo the endpoint processes' logs. */
  verbose: boolean;
}

/** `--orders N` (default 20), `--keep-running`, `--verbose`. */
export function parseRunOptions(args: string[]): RunOptions {
  const at = args.indexOf('--orders');
  const orders = at >= 0 ? Number(args[at + 1]) : 20;
  if (!Number.isInteger(orders) || orders < 1) throw new Error('--orders takes a positive integer');
  return {
    orders,
    keepRunning: args.includes('--keep-running'),
    verbose: args.includes('--verbose'),
  };
}
