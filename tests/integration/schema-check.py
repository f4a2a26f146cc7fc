#!/usr/bin/python3
"""schema-check.py SCHEMA_DIR < "KIND PATH" lines

Validates each YAML document against SCHEMA_DIR/KIND.schema.json with
python3-jsonschema (Debian's, independent of kiln) and prints one line per
document: "VALID KIND PATH" or "INVALID KIND PATH: where: why".  The YAML is
read the way a YAML language server reads it (YAML 1.2 core schema: only
true/false are booleans, no timestamps).  Exit 2 when a schema itself is
not a valid draft-07 schema.
"""
import json
import re
import sys

import jsonschema
import yaml


class Loader(yaml.SafeLoader):
    pass


Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers
            if tag not in ("tag:yaml.org,2002:bool",
                           "tag:yaml.org,2002:timestamp")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))

validators = {}
for kind in ("recipe", "pipeline", "template", "component"):
    with open(f"{sys.argv[1]}/{kind}.schema.json", encoding="utf-8") as f:
        schema = json.load(f)
    try:
        jsonschema.Draft7Validator.check_schema(schema)
    except jsonschema.SchemaError as e:
        print(f"SCHEMA-ERROR {kind}: {e.message}")
        sys.exit(2)
    validators[kind] = jsonschema.Draft7Validator(schema)

for line in sys.stdin:
    kind, path = line.split(maxsplit=1)
    path = path.strip()
    try:
        with open(path, encoding="utf-8") as f:
            doc = yaml.load(f, Loader=Loader)
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        print(f"INVALID {kind} {path}: (YAML) {str(e).splitlines()[0]}")
        continue
    errors = sorted(validators[kind].iter_errors(doc),
                    key=lambda e: list(map(str, e.path)))
    if errors:
        e = errors[0]
        where = "/".join(map(str, e.path)) or "(top)"
        print(f"INVALID {kind} {path}: {where}: {e.message[:200]}")
    else:
        print(f"VALID {kind} {path}")
