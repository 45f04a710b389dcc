#!/bin/bash
# instances (run from an empty folder): every 12th vector, and six generated L > 1024 with Lq != Lk
python3 - <<'PY'
import json, random, os
os.makedirs('in', exist_ok=True)
d=json.load(open('SPEC/vectors/lora-attention-gradient-vectors.json'.replace('SPEC', os.environ.get('SPEC', 'spec'))))
tests=[t for g in d['testGroups'] for t in g['tests']]
for i,t in enumerate(tests):
    if i%12==0:
        inst=t['instance']
        if isinstance(inst,str): inst=json.loads(inst)
        json.dump(inst, open('in/v%03d.json'%i,'w'))
rnd=random.Random(20261202)
def mat(r,c,s): return [[round(rnd.uniform(-s,s),6) for _ in range(c)] for _ in range(r)]
cases=[([(1500,1025)],3,2,3,'QKV',1),([(2000,None)],4,4,4,'QV',2),([(1100,3000)],2,1,5,'K',1),
       ([(1025,1030),(1200,None)],3,3,2,'QK',3),([(5000,1300)],2,7,1,'V',1),([(1800,2600)],4,4,4,'QKV',1)]
for n,(pts,din,h,o,ad,r) in enumerate(cases):
    W={}
    for mu,cols in (('Q',h),('K',h),('V',o)):
        w={'W':mat(din,cols,0.3)}
        if mu in ad:
            w['A']=mat(r,cols,1e-2); w['B']=mat(din,r,1e-2)
        W[mu]=w
    data=[]
    for (lq,lk) in pts:
        if lk is None: data.append({'X':mat(lq,din,0.5),'Y':mat(lq,o,1)})
        else: data.append({'XQ':mat(lq,din,0.5),'XK':mat(lk,din,0.5),'XV':mat(lk,din,0.5),'Y':mat(lq,o,1)})
    json.dump({'format':'lora-attention-instance/1','alpha':2,'beta':0.7,'weights':W,'data':data},open('in/g%d.json'%n,'w'))
PY
# then, per instance, T in 1 2, E in 1e-6 1e-3, for NEW and BASE jars:
#   java -jar JAR gradient --method fast --threads $T --epsilon $E in/X.json > X-T-E-JAR.out 2> X-T-E-JAR.err; echo $? > X-T-E-JAR.rc
# and cmp the three files of new against base, and threads 1 against 2.
