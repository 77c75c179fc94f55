

execw

output	out/exec2

command2
cat
	{input}

input
text/*.txt
&
reduce_command2
cat
	{parts}