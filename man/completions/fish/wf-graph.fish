complete -c wf-graph -l task -d 'Draw this task (id or unique prefix) on its workflow' -r
complete -c wf-graph -s f -l format -d 'dot (Graphviz) or mermaid' -r -f -a "dot\t''
mermaid\t''"
complete -c wf-graph -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf-graph -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wf-graph -s V -l version -d 'Print version'
