complete -c wf-board -s o -l output -d 'The folder to write the site into. An earlier board there is replaced; any other folder that is not empty is left alone (exit 5)' -r -F
complete -c wf-board -l commit-url -d 'Also link every commit id to this address, {commit} replaced by the full commit id (a forge\'s commit page)' -r
complete -c wf-board -s j -l jobs -d 'Threads for the verifier (default: all cores)' -r
complete -c wf-board -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf-board -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wf-board -s V -l version -d 'Print version'
