// `npm run down`: stops what `npm run up` started (the Redis data stays in .data/).
import { stop } from './lib/processes.mjs';

for (const name of ['demo-subscriber', 'worker', 'admin', 'producer', 'redis']) {
  await stop(name);
}
process.stdout.write('orderbus stopped (data kept in .data/)\n');
