// The only place the kernel benchmark reads the environment.

export interface BenchEnv {
  /** OPENBLAS_CORETYPE as set for this process (it changes OpenBLAS' kernels; reported, never changed). */
  openblasCoretype: string | undefined;
  /** The environment for a child process, with `extra` set on top of ours. */
  childEnv(extra: Record<string, string>): NodeJS.ProcessEnv;
}

export function benchEnv(source: NodeJS.ProcessEnv = process.env): BenchEnv {
  return {
    openblasCoretype: source.OPENBLAS_CORETYPE,
    childEnv: (extra) => ({ ...source, ...extra }),
  };
}
