complete -c wf-check -l key -d 'The SSH key that signs, and so decides who acts. Defaults to $WF_SIGNING_KEY, then git\'s user.signingkey. A private key file signs in process; a public key file or key::LITERAL signs through ssh-agent' -r
complete -c wf-check -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf-check -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wf-check -s V -l version -d 'Print version'
