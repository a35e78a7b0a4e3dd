complete -c wf-verify -l base -d 'Verify BASE..HEAD (or BASE..RANGE) and report the approvals it carries: a pull request\'s check' -r
complete -c wf-verify -s j -l jobs -d 'Cores to judge on (default: all): threads, or for a long range (8,192 commits or more to judge) as many worker processes at a time, which share no lock of libgit2\'s pack reading, each over a slice of at most 4,096 commits (WF_VERIFY_SLICE=N), so that a worker\'s heap and caches follow its slice; a whole history is then listed by a child process too. Each thread opens the repository again every 512 commits in a worker, every 2,048 in this process (WF_VERIFY_RENEW=N), which lets libgit2 unmap the pack pages it read. WF_VERIFY_PROCESSES=always|never overrides the choice' -r
complete -c wf-verify -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf-verify -l approvals -d 'List the approvals found in the range, valid or not'
complete -c wf-verify -l json -d 'One JSON document (schema wf.verify/1)'
complete -c wf-verify -l ndjson -d 'One JSON object per commit, then a summary object (schema wf.verify/1, ndjson form)'
complete -c wf-verify -l no-cache -d 'Judge every commit again, ignoring and not updating the cache of clean commits'
complete -c wf-verify -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wf-verify -s V -l version -d 'Print version'
