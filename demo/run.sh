#!/usr/bin/env bash
# Run the demo against a local HARICA simulator: start the simulator, seed a pending
# SSL request made from a fresh key and CSR, run demo/approve.yml twice (the second
# run must report no change), and verify the installed certificate with openssl.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv="$repo/.venvs/2.21"
output="$repo/demo/output"
simulator_pid=""

main() {
    "$repo/scripts/setup.sh"
    rm -rf "$output"
    mkdir -p "$output"
    trap stop_simulator EXIT
    start_simulator
    "$venv/bin/python" "$repo/demo/seed_simulator.py" --ready-file "$output/ready.json" --output "$output"

    # An ANSIBLE_COLLECTIONS_PATH from the caller wins, so that the demo can run an
    # installed copy of the collection in place of this checkout.
    export ANSIBLE_COLLECTIONS_PATH="${ANSIBLE_COLLECTIONS_PATH:-$repo/.collections}"
    echo "demo: collections path $ANSIBLE_COLLECTIONS_PATH"
    HARICA_API_URL=$(ready_field url)
    HARICA_API_KEY=$(<"$output/approver.key")
    export HARICA_API_URL HARICA_API_KEY

    echo "demo: first run accepts the request, waits for issuance and installs the files"
    run_playbook | tee "$output/first-run.log"
    echo "demo: second run must change nothing"
    run_playbook | tee "$output/second-run.log"
    if ! grep -Eq 'localhost +: ok=[0-9]+ +changed=0 ' "$output/second-run.log"; then
        echo "demo: FAILED: the second run reported a change" >&2
        exit 1
    fi

    echo "demo: verifying the certificate against the simulator's root CA"
    local certificates="$repo/demo/output/certificates"
    openssl verify -CAfile "$(ready_field root_ca)" \
        -untrusted "$certificates/app.example.org.chain.crt" "$certificates/app.example.org.crt"
    echo "demo: done; the files are in $certificates"
}

start_simulator() {
    "$venv/bin/python" -m harica_simulator serve --state-dir "$output/simulator" --port 0 \
        --ready-file "$output/ready.json" >"$output/simulator.log" 2>&1 &
    simulator_pid=$!
    local waited=0
    until [[ -s $output/ready.json ]]; do
        if ! kill -0 "$simulator_pid" 2>/dev/null || ((waited >= 300)); then
            echo "demo: the simulator did not start; its log follows" >&2
            cat "$output/simulator.log" >&2
            exit 1
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    echo "demo: simulator listening at $(ready_field url)"
}

stop_simulator() {
    if [[ -n $simulator_pid ]]; then
        kill "$simulator_pid" 2>/dev/null || true
        wait "$simulator_pid" 2>/dev/null || true
    fi
}

ready_field() {
    "$venv/bin/python" -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' \
        "$output/ready.json" "$1"
}

run_playbook() {
    "$venv/bin/ansible-playbook" -i "$repo/demo/inventory.ini" "$repo/demo/approve.yml" \
        -e "harica_ca_path=$(ready_field tls_ca)"
}

main "$@"
