# build.mk — the build's dependency graph, one target per stage output under
# build/PROFILE/; pipelines/build.sh sets up the environment (the Hub endpoint,
# the cache, the tokenizer) and runs `make -f pipelines/build.mk`. A rerun redoes
# only the stages whose inputs (tools, scripts, recipe, earlier stages) changed.
#
# Variables from build.sh: B (build dir), RECIPE, TOK, MAXTOK, JOBS, VAL, SEED, BIN.
SOURCES := dolci openmath magicoder codeforces
STAGES  := $(SOURCES:%=$(B)/stages/%.jsonl)
SCRIPTS := pipelines/source.sh pipelines/build.mk
TOOLDEP  = $(BIN)/hf-fetch $(BIN)/to-messages $(BIN)/drop-multimodal $(BIN)/drop-tool-use $(BIN)/drop-identity $(BIN)/tok-len
PRIORITY := open-r1/codeforces-cots/solutions,ise-uiuc/Magicoder-Evol-Instruct-110K,allenai/Dolci-Instruct-SFT,nvidia/OpenMathInstruct-2

all: $(B)/report.html

# a source: fetch -> to-messages -> drop-multimodal -> drop-tool-use -> drop-identity -> tok-len
$(B)/stages/%.jsonl: $(TOOLDEP) $(SCRIPTS) $(TOK)/tokenizer.json $(B)/lock.jsonl
	@echo "== $*" >&2
	@sh pipelines/source.sh $*

$(B)/stages/unique.jsonl: $(STAGES) $(BIN)/dedup
	@echo "== dedup" >&2
	@dedup -q --priority $(PRIORITY) --rejects $(B)/stages/rejects.dedup.jsonl \
		--clusters $(B)/stages/dedup.clusters.jsonl --summary $(B)/summaries/7-dedup.json \
		$(B)/stages/codeforces.jsonl $(B)/stages/magicoder.jsonl $(B)/stages/dolci.jsonl $(B)/stages/openmath.jsonl \
		>$@.tmp && mv $@.tmp $@

$(B)/manifest.json: $(B)/stages/unique.jsonl $(RECIPE) $(BIN)/blend
	@echo "== blend" >&2
	@blend -q --recipe $(RECIPE) $(if $(SEED),--seed $(SEED)) --val $(VAL) --keep-fields id,source,n_tokens \
		--lock $(B)/lock.jsonl --summary $(B)/summaries/8-blend.json --out-dir $(B) $<

$(B)/checked: $(B)/manifest.json $(BIN)/sft-check
	@echo "== sft-check" >&2
	@sft-check -q --summary $(B)/summaries/9-sft-check.json $(B)/train.jsonl $(B)/validation.jsonl >/dev/null
	@touch $@

$(B)/report.html: $(B)/checked $(BIN)/sft-report
	@echo "== sft-report" >&2
	@sft-report --manifest $(B)/manifest.json --summaries $(B)/summaries -o $@ $(B)/train.jsonl $(B)/validation.jsonl

.PHONY: all
.DELETE_ON_ERROR:
