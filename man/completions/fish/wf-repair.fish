complete -c wf-repair -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf-repair -s n -l dry-run -d 'Say what would be done; change nothing'
complete -c wf-repair -l restore -d 'Overwrite the paths under tasks/ and .wf/ that differ from the branch tip (your edits to them are lost); untracked files are only reported'
complete -c wf-repair -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wf-repair -s V -l version -d 'Print version'
