#!/bin/sh
# Runs the unit tests and the e2e tests side by side. The e2e tests mostly
# wait on browsers, timers and the network: on this 2-core machine they take
# as long with the unit tests beside them as alone (7.8 min either way), so
# together the two take little more than the e2e tests alone. The unit
# tests' output is printed whole, after the e2e tests'; either failing fails.
unit_log=$(mktemp)
npm run -s test:unit >"$unit_log" 2>&1 &
unit=$!
npm run -s test:e2e
e2e=$?
wait "$unit"
unit_status=$?
cat "$unit_log"
rm -f "$unit_log"
echo "unit tests: exit $unit_status; e2e tests: exit $e2e"
[ "$unit_status" -eq 0 ] && [ "$e2e" -eq 0 ]
