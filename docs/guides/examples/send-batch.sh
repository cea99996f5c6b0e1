#!/usr/bin/env bash
# Send a batch: up to ORDERBUS_MAX_BATCH (500) events in one request, accepted all or nothing.
set -euo pipefail

curl -sS -X POST "$ORDERBUS_PRODUCER_URL/v1/events" \
  -H "Authorization: Bearer $ORDERBUS_PRODUCER_KEY" \
  -H 'Content-Type: application/json' \
  --data-binary @- <<'JSON'
{
  "events": [
    { "eventId": "wo-4503599741262301-evaluated", "dataArea": "fwwt", "changeId": "4",
      "data": { "serviceOrderId": "4503599741262301", "serviceOrderCode": "0120190802003048", "templateId": "8103",
                "busiTypeId": "110000228", "organId": "671024",
                "evalue": "5", "evaluator": "噜噜噜", "evaluateTime": "20190803091500" } },
    { "eventId": "wo-4503599741262302-evaluated", "dataArea": "fwwt", "changeId": "4",
      "data": { "serviceOrderId": "4503599741262302", "serviceOrderCode": "0120190802003049", "templateId": "8103",
                "busiTypeId": "110000228", "organId": "671024",
                "evalue": "2", "evaluator": "刘凯", "evaluateTime": "20190803101500", "evaluateMsg": "太慢了" } }
  ]
}
JSON
echo
