complete -c wf-ls -l step -d 'Only tasks at this step' -r
complete -c wf-ls -l assignee -d 'Only tasks whose current step this actor holds' -r
complete -c wf-ls -l state -d 'Only open or only closed tasks' -r -f -a "open\t''
closed\t''"
complete -c wf-ls -l kind -d 'Only tasks at a step of this kind' -r -f -a "produce\t''
review\t''
check\t''
approve\t''"
complete -c wf-ls -l fields -d 'With --json or --ndjson: only these keys of each task, comma-separated (any key of wf.task/1). id, title, state, step, step_kind, holder, workflow, approver, owner, created_by and created_at come from the task listing without reading the task itself' -r
complete -c wf-ls -s C -d 'Run as if started in DIR (like git -C)' -r -F
complete -c wf-ls -l json -d 'One JSON document (schema wf.tasks/1)'
complete -c wf-ls -l ndjson -d 'One JSON object per line (schema wf.task/1 each), streamed'
complete -c wf-ls -s z -d 'Print only the ids, each followed by a NUL byte'
complete -c wf-ls -l overdue -d 'Only open tasks past their step\'s due date, most late first'
complete -c wf-ls -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wf-ls -s V -l version -d 'Print version'
