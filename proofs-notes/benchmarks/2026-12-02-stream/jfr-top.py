import re,collections,sys
txt=open(sys.argv[1]).read()
evs=txt.split('jdk.ExecutionSample')
top=collections.Counter(); incl=collections.Counter()
n=0
for e in evs:
    fr=re.findall(r'^\s+([\w.$<>]+)\(', e, re.M)
    fr=[f for f in fr if '.' in f]
    if not fr: continue
    n+=1
    top[fr[0]]+=1
    for f in set(fr): incl[f]+=1
print(n)
for k,v in top.most_common(15): print('top',v,k)
for k,v in incl.most_common(45):
    if 'loralimits' in k: print('incl',v,k)
