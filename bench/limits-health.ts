import { parentPort, workerData } from 'node:worker_threads';

/**
 * The health probe of `bench/limits.ts`, in a thread of its own so that the client reading a large
 * answer never delays it: `GET /api/health` every `everyMs`, whether or not the last one has been
 * answered, up to `maxInFlight` at once: a stalled service then holds that many probes waiting,
 * instead of more connections than its listen backlog takes (those would time out connecting and
 * end the wait they were measuring). On any message it stops firing, waits for the probes in flight and posts back
 * `[start, end, status]` per probe (ms on the clock both threads share; for a probe not answered,
 * why instead of a status: the error's code, e.g. `UND_ERR_SOCKET`, or `TimeoutError`).
 */
const { url, everyMs, timeoutMs, maxInFlight } = workerData as { url: string; everyMs: number; timeoutMs: number; maxInFlight: number };
const now = () => performance.timeOrigin + performance.now();
const samples: Array<[number, number, number | string]> = [];
const inFlight = new Set<Promise<void>>();

function fire(): void {
  if (inFlight.size >= maxInFlight) return;
  const start = now();
  const probe: Promise<void> = fetch(url, { signal: AbortSignal.timeout(timeoutMs) })
    .then(
      async (response) => {
        await response.arrayBuffer();
        return response.status;
      },
      (error: Error & { cause?: { code?: string } }) => error.cause?.code ?? error.name,
    )
    .then((status) => {
      samples.push([start, now(), status]);
      inFlight.delete(probe);
    });
  inFlight.add(probe);
}

const timer = setInterval(fire, everyMs);
parentPort?.once('message', () => {
  clearInterval(timer);
  void Promise.all(inFlight).then(() => parentPort?.postMessage(samples));
});
