'use strict';
// Mocha's spec reporter, plus the run's counts written as JSON to the file
// named by SLIPSTREAM_TEST_STATS, so scripts/test.js can print the closing
// "N passed, N failed" line from mocha's own results.
const fs = require('node:fs');
const path = require('node:path');
const Mocha = require('mocha');

const { EVENT_RUN_END } = Mocha.Runner.constants;

class SpecWithStats extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const file = process.env.SLIPSTREAM_TEST_STATS;
      if (!file) return;
      const { passes, failures, pending } = runner.stats;
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, JSON.stringify({ passes, failures, pending }));
    });
  }
}

module.exports = SpecWithStats;
