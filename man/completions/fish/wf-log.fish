complete -c wf-log -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf-log -l json -d 'One JSON document (schema wf.log/1)'
complete -c wf-log -l ndjson -d 'One JSON object per event and line (schema wf.event/1), streamed'
complete -c wf-log -s p -l patch -d 'Show each commit\'s patch'
complete -c wf-log -l superseded -d 'The actions this clone made that `wf sync` superseded (kept under refs/wf/superseded/), instead of the branch\'s history'
complete -c wf-log -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wf-log -s V -l version -d 'Print version'
