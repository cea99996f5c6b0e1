#!/usr/bin/env bash
# A tour of the orderbus CLI. The URLs and the token come from the environment:
#   ORDERBUS_ADMIN_URL, ORDERBUS_ADMIN_TOKEN, ORDERBUS_PRODUCER_URL, ORDERBUS_PRODUCER_KEY, ORDERBUS_REDIS_URL
set -euo pipefail
: "${BASE_CODE:?}"

# Is the deployment sound? producer and admin ready, credentials valid, Redis set up for durability.
orderbus doctor

# Which subscriptions are auto-disabled or failing?
orderbus subscriptions list --status auto-disabled
orderbus subscriptions list --health failing

# One subscription: status and why, health, queue, dead letters.
orderbus subscriptions show "$BASE_CODE"
orderbus dead-letters list "$BASE_CODE"

# The receiver is fixed: enable it again (connect handshake first) ...
orderbus subscriptions enable "$BASE_CODE" --reason "receiver fixed"
# ... and replay what became a dead letter in the last two hours, oldest first.
orderbus dead-letters replay "$BASE_CODE" --since 2h

# Watch the deliveries for 5 seconds.
orderbus tail --subscription "$BASE_CODE" --for 5
