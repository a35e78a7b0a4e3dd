complete -c wf-submit -l name -d 'The file name for output read from stdin (default: the previous revision\'s single file name, else output.md)' -r
complete -c wf-submit -l model -d 'The model that produced or assisted this output' -r
complete -c wf-submit -l prompt-file -d 'The prompt given to the model; its sha256 is recorded' -r -F
complete -c wf-submit -s m -l note -d 'A note on this revision' -r
complete -c wf-submit -l key -d 'The SSH key that signs, and so decides who acts. Defaults to $WF_SIGNING_KEY, then git\'s user.signingkey. A private key file signs in process; a public key file or key::LITERAL signs through ssh-agent' -r
complete -c wf-submit -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf-submit -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wf-submit -s V -l version -d 'Print version'
