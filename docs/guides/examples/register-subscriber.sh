#!/usr/bin/env bash
# Register your system as the owner of its baseCode, with the registration
# credential an orderbus admin issued for it (obr_<baseCode>.<secret>).
# The answer holds the signing secret: it is shown this once.
set -euo pipefail
: "${ORDERBUS_ADMIN_URL:?}" "${ORDERBUS_CREDENTIAL:?}" "${BASE_CODE:?}" "${CALLBACK_URL:?}"

curl -sS -X PUT "$ORDERBUS_ADMIN_URL/v1/subscriptions/$BASE_CODE" \
  -H "Authorization: Bearer $ORDERBUS_CREDENTIAL" \
  -H 'Content-Type: application/json' \
  --data-binary @- <<JSON
{
  "systemName": "XX系统",
  "callbackUrl": "$CALLBACK_URL",
  "scope": { "dataAreas": ["fwwt"], "changeIds": [1, 2, 3, 5] },
  "contact": { "name": "XX ops", "email": "ops@example.com" }
}
JSON
echo
