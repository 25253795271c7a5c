"""docs/webhooks.md's plain-Node verifier accepts what LeadHub signs and refuses a change."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from leadhub.webhooks.signing import payload_body, secret_generate, signed_headers

DOC = Path(__file__).resolve().parents[3] / "docs" / "webhooks.md"
NODE = shutil.which("node")

HARNESS = """
const input = JSON.parse(require("node:fs").readFileSync(0, "utf8"));
const headers = Object.fromEntries(
  Object.entries(input.headers).map(([k, v]) => [k.toLowerCase(), v]));
try {
  const event = verifyLeadHubWebhook(input.secret, Buffer.from(input.body, "utf8"), headers);
  console.log("ok " + event.type);
} catch (err) {
  console.log("refused " + err.message);
}
"""


def doc_verifier() -> str:
    text = DOC.read_text()
    after = text.split("<!-- verify-js:", 1)[1]
    return re.search(r"```js\n(.*?)```", after, re.S).group(1)


def run_node(tmp_path: Path, secret: str, body: bytes, headers: dict[str, str]) -> str:
    script = tmp_path / "verify.js"
    script.write_text(doc_verifier() + HARNESS)
    given = {"secret": secret, "body": body.decode(), "headers": headers}
    result = subprocess.run(
        [NODE or "node", str(script)],
        input=json.dumps(given),
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return result.stdout.strip()


@pytest.mark.skipif(NODE is None, reason="needs Node.js to run the documented verifier")
def test_the_documented_node_verifier_agrees_with_the_signature(tmp_path: Path) -> None:
    secret = secret_generate()
    body = payload_body({"type": "submission.accepted", "data": {"id": 7, "name": "Zoë"}})
    headers = signed_headers(secret=secret, message_id="msg_doc", body=body)
    assert run_node(tmp_path, secret, body, headers) == "ok submission.accepted"
    tampered = body.replace(b'"id":7', b'"id":8')
    assert run_node(tmp_path, secret, tampered, headers).startswith("refused no matching")
    assert run_node(tmp_path, secret_generate(), body, headers).startswith("refused")
