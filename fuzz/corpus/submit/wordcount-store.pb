
o
	wordcountb

output	out/wc2

input
text/a.txt

keep_intermediate 

storefile:///store/wc