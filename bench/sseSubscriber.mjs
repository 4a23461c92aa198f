// A worker thread of bench/sse-fanout.ts (plain JS: Node 20 workers do not take the tsx loader):
// opens `count` raw SSE connections and reports when each marker event arrived.
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';

const { url, apiKey, count } = workerData;
const now = () => performance.timeOrigin + performance.now();
const arrivals = [];
const target = new URL(url);

const open = () =>
  new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        headers: { 'x-api-key': apiKey },
        agent: false,
      },
      (res) => {
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          const at = now();
          buffer += chunk;
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const marker = buffer.slice(0, end).match(/"text":"(m\d+)"/);
            buffer = buffer.slice(end + 2);
            if (marker) arrivals.push([marker[1], at]);
          }
        });
        resolve();
      },
    );
    req.on('error', reject);
    req.end();
  });

for (let i = 0; i < count; i += 50) await Promise.all(Array.from({ length: Math.min(50, count - i) }, open));
parentPort.postMessage({ type: 'ready' });
parentPort.on('message', (message) => {
  if (message.type === 'report') parentPort.postMessage({ type: 'arrivals', arrivals });
});
