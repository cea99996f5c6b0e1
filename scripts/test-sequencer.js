// Jest's default order (slowest first by the last run's times, else by file size), except that the
// files listed below always go first: on a fresh clone there are no times yet, and a minutes-long
// file started last would add its whole length to the run.
const Sequencer = require('@jest/test-sequencer').default;

/** The longest test files, longest first (paths from the repository root). */
const LONGEST = ['e2e/ordering.test.ts', 'e2e/crash-redis.test.ts', 'e2e/crash-worker.test.ts', 'e2e/crash-producer.test.ts', 'e2e/cluster.test.ts', 'e2e/workers.test.ts'];

class LongestFirstSequencer extends Sequencer {
  async sort(tests) {
    const sorted = await super.sort(tests);
    const rank = (test) => {
      const at = LONGEST.findIndex((path) => test.path.endsWith(path));
      return at === -1 ? LONGEST.length : at;
    };
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}

module.exports = LongestFirstSequencer;
