#!/usr/bin/env bash
# Enable the subscription: orderbus first sends the signed connect request to
# the callback, and enables only if the receiver answers it with success.
set -euo pipefail
: "${ORDERBUS_ADMIN_URL:?}" "${ORDERBUS_CREDENTIAL:?}" "${BASE_CODE:?}"

curl -sS -X POST "$ORDERBUS_ADMIN_URL/v1/subscriptions/$BASE_CODE/enable" \
  -H "Authorization: Bearer $ORDERBUS_CREDENTIAL" \
  -H 'Content-Type: application/json' -d '{"reason": "receiver deployed"}'
echo
# Then watch its health: state, success rate, last error.
curl -sS "$ORDERBUS_ADMIN_URL/v1/subscriptions/$BASE_CODE/health" -H "Authorization: Bearer $ORDERBUS_CREDENTIAL"
echo
