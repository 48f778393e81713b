#!/usr/bin/env python3
"""Upload a folder of photos with its CSV (the campaign's bulk format) through the portal's API.

    pip install requests
    SEAVL_TOKEN=seavl_... python scripts/upload_folder.py photos/ photos/metadata.csv \
        --url https://portal.example.org

The CSV has the campaign's header (image, text_cap_en, text_cap_native, text_culture_loc,
text_image_loc, text_submitter_native_lang, similarity_id, ...); `image` names a file in the folder
(a full URL works too: its last path segment is the file name). Safe to run again: images already
submitted answer 409 and are skipped.
"""

import argparse
import csv
import os
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlparse

import requests


def file_name(value: str) -> str:
    return unquote(urlparse(value).path.rsplit("/", 1)[-1]) if "/" in value else value


def upload(session: requests.Session, url: str, folder: Path, row: dict) -> tuple[int, str]:
    path = folder / file_name(row["image"].strip())
    if not path.is_file():
        return 0, f"no file {path.name}"
    data = {
        "description": row.get("text_cap_en", ""),
        "native_description": row.get("text_cap_native", ""),
        "native_language": row.get("text_submitter_native_lang", ""),
        "countries": row.get("text_culture_loc", ""),
        "location": row.get("text_image_loc", ""),
        "group": row.get("similarity_id", ""),
        "license_confirmed": "true",
    }
    while True:
        with path.open("rb") as handle:
            response = session.post(
                f"{url}/api/v1/images", data=data, files={"image": (path.name, handle)}, timeout=300
            )
        if response.status_code != 429:
            break
        time.sleep(int(response.headers.get("Retry-After", "10")))
    body = response.json() if response.headers.get("Content-Type", "").startswith("application/json") else {}
    if response.status_code == 201:
        return 201, f"submitted as #{body['id']}"
    errors = "; ".join(message for messages in body.get("errors", {}).values() for message in messages)
    return response.status_code, errors or body.get("detail", response.text[:200])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("csv", type=Path)
    parser.add_argument("--url", default=os.environ.get("SEAVL_URL", "http://127.0.0.1:8000"))
    parser.add_argument("--token", default=os.environ.get("SEAVL_TOKEN", ""))
    args = parser.parse_args()
    if not args.token:
        parser.error("give your API token with --token or SEAVL_TOKEN (create one on your profile page)")
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {args.token}"
    failed = 0
    with args.csv.open(newline="", encoding="utf-8-sig") as handle:
        rows = [row for row in csv.DictReader(handle) if any((value or "").strip() for value in row.values())]
    for number, row in enumerate(rows, start=1):
        status, message = upload(session, args.url.rstrip("/"), args.folder, row)
        failed += status not in (201, 409)
        label = {201: "ok", 409: "already submitted"}.get(
            status, f"refused ({status})" if status else "skipped"
        )
        print(f"{number:>4}  {row.get('image', '')[:60]:<60}  {label}: {message}")
    print(f"{len(rows) - failed} of {len(rows)} rows submitted or already there.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
