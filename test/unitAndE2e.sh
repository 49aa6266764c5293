#!/bin/sh
# Runs the unit tests, then the e2e tests. One after the other: run side by
# side on this 2-core machine, the e2e suite's Chromium processes starved
# the unit tests' heavier cases (a relay flood, a 100-seed simulation) past
# any sensible timeout; the e2e suite runs three tests at a time instead,
# which its waiting on browsers, timers and the network leaves room for.
npm run -s test:unit || exit 1
npm run -s test:e2e
