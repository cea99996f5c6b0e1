#!/usr/bin/env bash
# Send one event — a new work order (changeId 1) — to the producer.
# ORDERBUS_PRODUCER_URL: e.g. http://127.0.0.1:8080; ORDERBUS_PRODUCER_KEY: your producer key.
set -euo pipefail

curl -sS -X POST "$ORDERBUS_PRODUCER_URL/v1/events" \
  -H "Authorization: Bearer $ORDERBUS_PRODUCER_KEY" \
  -H 'Content-Type: application/json' \
  --data-binary @- <<'JSON'
{
  "eventId": "wo-4503599741262301-created",
  "dataArea": "fwwt",
  "changeId": "1",
  "occurredAt": "2019-08-02T16:16:22+08:00",
  "data": {
    "serviceOrderId": "4503599741262301", "serviceOrderCode": "0120190802003048",
    "templateId": "8103", "templateInstName": "房屋问题",
    "busiTypeId": "110000228", "busiTypeCode": "dian", "busiTypeName": "电",
    "trackId": "450359974126230101", "trackCode": "NODE_DS_SUBMIT", "trackName": "提单",
    "transportTypeId": "1", "transportTypeName": "APP终端接入",
    "userId": "110640113", "userType": "1",
    "organId": "671024", "organName": "海文花园",
    "communityId": "139912543382896", "eCommunityId": "139912543382896",
    "createDate": "20190802161622", "remark": "测试房屋问题4",
    "categoryId": "1", "isBespeak": "0"
  }
}
JSON
echo
