complete -c wf-assign -l to -d 'The actor who takes the step' -r
complete -c wf-assign -s m -l note -d 'Why (recorded with the handoff)' -r
complete -c wf-assign -l key -d 'The SSH key that signs, and so decides who acts. Defaults to $WF_SIGNING_KEY, then git\'s user.signingkey. A private key file signs in process; a public key file or key::LITERAL signs through ssh-agent' -r
complete -c wf-assign -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf-assign -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wf-assign -s V -l version -d 'Print version'
