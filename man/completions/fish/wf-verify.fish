complete -c wf-verify -l base -d 'Verify BASE..HEAD (or BASE..RANGE) and report the approvals it carries: a pull request\'s check' -r
complete -c wf-verify -s j -l jobs -d 'Threads (default: all cores)' -r
complete -c wf-verify -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf-verify -l approvals -d 'List the approvals found in the range, valid or not'
complete -c wf-verify -l json -d 'One JSON document (schema wf.verify/1)'
complete -c wf-verify -l ndjson -d 'One JSON object per commit, then a summary object (schema wf.verify/1, ndjson form)'
complete -c wf-verify -l no-cache -d 'Judge every commit again, ignoring and not updating the cache of clean commits'
complete -c wf-verify -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wf-verify -s V -l version -d 'Print version'
