#!/usr/bin/python3
# An ext_authz program in docker_auth's protocol: the AuthRequestInfo JSON on stdin; exit 0 with the allowed actions
# as a JSON list on stdout, 1 denied, 2 no opinion. argv[1] is a directory where the last request is saved for the test.
import json
import os
import signal
import sys
import time

req = json.load(sys.stdin)
with open(os.path.join(sys.argv[1], "last-request.json"), "w") as f:
    json.dump(req, f)
name = req["Name"]
if name.startswith("open/"):
    print(json.dumps(["pull"]))
    sys.exit(0)
if name.startswith("everything/"):
    print(json.dumps(["*"]))
    sys.exit(0)
if name.startswith("greedy/"):
    # More than was asked for: only the requested actions may be granted.
    print(json.dumps(["pull", "push", "delete"]))
    sys.exit(0)
if name.startswith("team/"):
    groups = (req.get("Labels") or {}).get("group", [])
    if "dev" in groups:
        print(json.dumps(["pull", "push"]))
        sys.exit(0)
    sys.exit(1)
if name.startswith("closed/"):
    sys.exit(1)
if name.startswith("garbage/"):
    print("{not json")
    sys.exit(0)
if name.startswith("hang/"):
    time.sleep(300)
if name.startswith("crash/"):
    os.kill(os.getpid(), signal.SIGSEGV)
sys.exit(2)
