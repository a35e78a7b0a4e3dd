complete -c wf-show -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf-show -l json -d 'One JSON document (schema wf.task/1)'
complete -c wf-show -l ndjson -d 'The JSON document on one line (for several ids: one line each)'
complete -c wf-show -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wf-show -s V -l version -d 'Print version'
