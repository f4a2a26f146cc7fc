#!/usr/bin/env bash
# agent-files.sh - every file action of the agent, checked on disk
# (content, mode, owner) and through the step-end events.
. "$(dirname "$0")/lib/functions.sh"
. "$(dirname "$0")/lib/agent.sh"

agent_case files files.json
R=$(root files)
mkdir -p "$R/src/sub"
printf 'alpha\n' > "$R/src/a.txt"
printf 'beta\n' > "$R/src/b.txt"
printf 'log\n' > "$R/src/c.log"
printf 'delta\n' > "$R/src/sub/d.txt"
ln -s a.txt "$R/src/link"
printf 'old' > "$R/existing.txt"
printf 'ab' > "$R/enc.txt"
chmod 0644 "$R"/src/*.txt "$R/src/sub/d.txt"

run_agent files
expect_eq "the run succeeds (expected failures are ignored)" 0 "$RC"
expect "the event stream is valid JSON lines ending with done" stream_is_valid files
expect_eq "done reports success" success "$(done_field files status)"

# CreateFile
expect_eq "CreateFile writes the content" "hello
world
more" "$(cat "$R/new/deep/file.txt")"
expect_eq "CreateFile sets permissions, owner by name and group by number" "640 daemon bin" \
  "$(stat -c '%a %U %G' "$R/new/deep/file.txt")"
expect_eq "CreateFile encodes UTF-16 (little-endian, no BOM)" "6800e900" "$(od -An -tx1 "$R/u16.txt" | tr -d ' \n')"
expect "CreateFile creates an empty file" test -f "$R/plain.txt" -a ! -s "$R/plain.txt"
expect_eq "CreateFile with overwrite false refuses an existing file" ignored "$(status_of files NoOverwrite)"
expect_eq "... and says why" "CreateFile: $R/existing.txt exists and overwrite is false" "$(message_of files NoOverwrite)"
expect_eq "... and leaves it alone" old "$(cat "$R/existing.txt")"

# AppendFile, ReadFile, chaining
expect_eq "AppendFile on a missing file fails" ignored "$(status_of files AppendMissing)"
expect "AppendFile does not create the missing file" test ! -e "$R/missing.txt"
expect_eq "ReadFile output content" "hello
world
more" "$(output_of files Read content)"
expect_eq "ReadFile decodes UTF-16" "hé" "$(output_of files Read16 content)"
expect_eq "chaining of outputs and inputs[i] into a later step" "hello
world
more|hé|$R/u16.txt" "$(cat "$R/chained.txt")"

# SetFileEncoding
expect_eq "SetFileEncoding converts UTF-8 to UTF-32-BE" "0000006100000062" "$(od -An -tx1 "$R/enc.txt" | tr -d ' \n')"

# CopyFile, MoveFile
expect_eq "CopyFile to a file name" alpha "$(cat "$R/copy/renamed.txt")"
expect "CopyFile with a wildcard copies the matches only" test -f "$R/wild/b.txt" -a ! -e "$R/wild/c.log"
expect_eq "CopyFile keeps the source's permissions" 644 "$(stat -c %a "$R/wild/b.txt")"
expect_eq "CopyFile with overwrite false fails on an existing file" ignored "$(status_of files CopyNoOverwrite)"
expect_eq "... leaving the destination as it was" alpha "$(cat "$R/copy/renamed.txt")"
expect "MoveFile into a folder (trailing /) moves the file" test -f "$R/moved/a.txt" -a ! -e "$R/copy/a.txt"

# CopyFolder, MoveFolder
expect "CopyFolder into dest/ keeps the folder name, nested files and links" \
  test -f "$R/tree/src/sub/d.txt" -a -L "$R/tree/src/link"
expect_eq "CopyFolder copies symbolic links as links" a.txt "$(readlink "$R/tree/src/link")"
expect "MoveFolder renames the folder" test -f "$R/tree3/sub/d.txt" -a ! -e "$R/tree2"

# CreateFolder, symlinks
expect_eq "CreateFolder sets permissions and owner" "700 daemon" "$(stat -c '%a %U' "$R/dir/sub")"
expect_eq "CreateFolder with overwrite false fails on an existing folder" ignored "$(status_of files FolderNoOverwrite)"
expect_eq "CreateSymlink without force refuses an existing link" ignored "$(status_of files LinkExists)"
expect_eq "CreateSymlink with force replaces the link" "$R/src/b.txt" "$(readlink "$R/links/l1")"
expect_eq "CreateSymlink refuses a missing target" ignored "$(status_of files LinkMissingTarget)"
expect "... and creates nothing" test ! -e "$R/links/l2" -a ! -L "$R/links/l2"

# ListFiles
expect_eq "ListFiles with a pattern" "$R/src/a.txt,$R/src/b.txt" "$(output_of files List files)"
expect_eq "ListFiles recursive lists files in subfolders" \
  "$R/src/a.txt,$R/src/b.txt,$R/src/c.log,$R/src/link,$R/src/sub/d.txt" "$(output_of files ListRec files)"

# Owners and permissions
expect_eq "SetFileOwner without group uses the user's group" "daemon daemon" "$(stat -c '%U %G' "$R/plain.txt")"
expect_eq "SetFolderOwner sets the folder" "bin daemon" "$(stat -c '%U %G' "$R/tree/src")"
expect_eq "SetFolderOwner is recursive by default" "bin daemon" "$(stat -c '%U %G' "$R/tree/src/sub/d.txt")"
expect_eq "SetFolderOwner changes a link itself, not its target" "bin root" \
  "$(stat -c '%U' "$R/tree/src/link") $(stat -c '%U' "$R/src/a.txt")"
expect_eq "SetFolderOwner recursive false changes the folder only" "bin daemon" \
  "$(stat -c '%U' "$R/dir") $(stat -c '%U' "$R/dir/sub")"
expect_eq "SetFilePermissions" 600 "$(stat -c %a "$R/plain.txt")"
expect_eq "SetFolderPermissions recursive" "750 750 750" \
  "$(stat -c %a "$R/tree3") $(stat -c %a "$R/tree3/sub") $(stat -c %a "$R/tree3/sub/d.txt")"
expect_eq "SetFolderPermissions recursive false" "711 644" "$(stat -c %a "$R/wild") $(stat -c %a "$R/wild/b.txt")"
expect_eq "SetFilePermissions refuses non-octal permissions" ignored "$(status_of files BadPerm)"

# Deleting
expect "DeleteFile deletes a file" test ! -e "$R/wild/a.txt"
expect "DeleteFile with a wildcard deletes the matching files only" \
  test ! -e "$R/tree/src/a.txt" -a ! -e "$R/tree/src/b.txt" -a -e "$R/tree/src/c.log"
expect_eq "DeleteFile refuses a folder" ignored "$(status_of files DeleteFolderAsFile)"
expect_eq "DeleteFolder refuses a non-empty folder without force" ignored "$(status_of files DeleteNotEmpty)"
expect "DeleteFolder with force deletes the tree" test ! -e "$R/tree4"
expect_eq "an S3 entry without the host's transfer id (a plan not made by kiln) is refused" \
  "S3Download: the input 'transfer' is required" "$(message_of files S3)"
