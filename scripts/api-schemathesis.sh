#!/bin/sh
# Issue 23: the schemathesis CLI against a live `porch serve --no-worker` on loopback, over
# the demo workspace, with an owner's token having every scope. Prints operations / cases /
# failures from st's summary (the whole output stays in $OUTDIR/st.log).
# Usage: sh scripts/api-schemathesis.sh [REPO] [max-examples]   (after make test has set up .venv)
set -eu
REPO=${1:-$(dirname "$0")/..}
EXAMPLES=${2:-20}
cd "$REPO"
OUTDIR=$(mktemp -d /tmp/porch-st-XXXXXX)
export PORCH_DATA="$OUTDIR/data"          # fresh data: its own database and fake network
export PORCH_API_RATE=100000               # st calls fast; no 429 from the rate limit
export PORCH_API_MAX_FAILED_AUTH=100000    # st's ignored_auth check sends bad tokens on purpose
export PORCH_API_MAX_FAILED_AUTH_PER_TOKEN=100000
unset PORCH_FETCH_ALLOW_PRIVATE            # the guarded fetcher refuses private addresses
mkdir -p "$PORCH_DATA"
PORCH=".venv/bin/porch"
[ -x "$PORCH" ] || PORCH=".venv/bin/python -c 'from porch.cli import run; run()'"
PORT=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
sh -c "$PORCH migrate" >"$OUTDIR/setup.log" 2>&1
sh -c "$PORCH demo --no-serve" >>"$OUTDIR/setup.log" 2>&1
TOKEN=$(DJANGO_SETTINGS_MODULE=porch.settings .venv/bin/python -c '
import django; django.setup()
from porch.api.tokens import create_token
from porch.demo import DEMO_EMAIL
from porch.workspaces.models import Membership
m = Membership.objects.get(user__username=DEMO_EMAIL, workspace__is_demo=True)
print(create_token(m, "schemathesis", ["read", "write", "publish"]).text)')
sh -c "$PORCH serve --no-worker --host 127.0.0.1 --port $PORT" >"$OUTDIR/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
URL="http://127.0.0.1:$PORT/api/v1/openapi.json"
i=0
until .venv/bin/python -c "import urllib.request; urllib.request.urlopen('$URL')" 2>/dev/null; do
  i=$((i + 1)); [ $i -lt 120 ] || { echo "porch serve did not start"; cat "$OUTDIR/serve.log"; exit 1; }
  sleep 0.5
done
set +e
.venv/bin/st --no-color run "$URL" -H "Authorization: Bearer $TOKEN" --checks all -n "$EXAMPLES" \
  --generation-deterministic --max-failures 200 --workers 1 >"$OUTDIR/st.log" 2>&1
STATUS=$?
set -e
echo "st exit status $STATUS; full output $OUTDIR/st.log"
grep -E "operations|Test cases|[0-9]+ (generated|passed|failed|errors?)|cases|failures" "$OUTDIR/st.log" | tail -20
grep -E "^(_+ |[A-Z]+ /api/v1)" "$OUTDIR/st.log" | sort | uniq -c | head -60
