complete -c wf-init -l id -d 'Your actor id (default: the local part of your email)' -r
complete -c wf-init -l name -d 'Your display name (default: git\'s user.name)' -r
complete -c wf-init -l email -d 'Your email (default: git\'s user.email)' -r
complete -c wf-init -l key -d 'The SSH key that signs, and so decides who acts. Defaults to $WF_SIGNING_KEY, then git\'s user.signingkey. A private key file signs in process; a public key file or key::LITERAL signs through ssh-agent' -r
complete -c wf-init -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf-init -l bare -d 'Create a bare repository (a server) when DIR does not exist'
complete -c wf-init -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wf-init -s V -l version -d 'Print version'
