/**
 * glibc raises its mmap threshold once a large block is freed, so the 16 MiB that each scrypt hash
 * takes on libuv's threads then stays in those threads' heaps: app-user held 155 MB after the
 * benchmark, 83–89 MB with the threshold fixed at its 128 KiB default (throughput within run-to-run
 * noise, not measured in paired runs; README "Performance"). The distributed launcher starts every
 * service with it, and the image sets it (a test keeps the two equal).
 */
export const MALLOC_SETTINGS = { MALLOC_MMAP_THRESHOLD_: '131072' };

/** `env` with the malloc settings added; what `env` sets itself wins. */
export function memorySettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...MALLOC_SETTINGS, ...env };
}
