complete -c wf-stats -l since -d 'Only history at or after DATE (2026-11-01, 2026-11-01T09:00:00Z, @SECONDS)' -r
complete -c wf-stats -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf-stats -l json -d 'One JSON document (schema wf.stats/1)'
complete -c wf-stats -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wf-stats -s V -l version -d 'Print version'
