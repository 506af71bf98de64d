# build.mk — the build's dependency graph, one target per stage output under
# build/PROFILE/; pipelines/build.sh sets up the environment (the Hub endpoint,
# the cache, the tokenizer) and runs `make -f pipelines/build.mk`. A rerun redoes
# only the stages whose inputs (tools, scripts, recipe, earlier stages) changed.
#
# Variables from build.sh: B (build dir), RECIPE, TOK, TRAINER, MAXTOK, JOBS, VAL, SEED, BIN.
# TRAINER names whose length tok-len counts (nemo-rl by default); a change
# redoes the stages, through the stamp below. The benchmarks
# (pipelines/benchmarks.list) are fetched by build.sh before make runs, into
# $(B)/benchmarks/, whose args file the stages depend on.
SOURCES := dolci openmath magicoder codeforces
STAGES  := $(SOURCES:%=$(B)/stages/%.jsonl)
TRAINER ?= nemo-rl
SCRIPTS := pipelines/source.sh pipelines/build.mk pipelines/benchmarks.list
TOOLDEP  = $(BIN)/hf-fetch $(BIN)/to-messages $(BIN)/dedup $(BIN)/drop-multimodal $(BIN)/drop-tool-use $(BIN)/drop-identity $(BIN)/decontam $(BIN)/tok-len
PRIORITY := open-r1/codeforces-cots/solutions,ise-uiuc/Magicoder-Evol-Instruct-110K,allenai/Dolci-Instruct-SFT,nvidia/OpenMathInstruct-2

all: $(B)/report.html

# a source: fetch -> to-messages [-> per-problem] -> drop-multimodal -> drop-tool-use -> drop-identity -> decontam -> tok-len
$(B)/stages/%.jsonl: $(TOOLDEP) $(SCRIPTS) $(TOK)/tokenizer.json $(B)/lock.jsonl $(B)/benchmarks/args $(B)/trainer.$(TRAINER)
	@echo "== $*" >&2
	@TRAINER=$(TRAINER) sh pipelines/source.sh $*

# the trainer the stages were counted for: another one redoes them
$(B)/trainer.$(TRAINER):
	@rm -f $(B)/trainer.*
	@touch $@

$(B)/stages/unique.jsonl: $(STAGES) $(BIN)/dedup
	@echo "== dedup" >&2
	@dedup -q --priority $(PRIORITY) --rejects $(B)/stages/rejects.dedup.jsonl \
		--clusters $(B)/stages/dedup.clusters.jsonl --summary $(B)/summaries/8-dedup.json \
		$(B)/stages/codeforces.jsonl $(B)/stages/magicoder.jsonl $(B)/stages/dolci.jsonl $(B)/stages/openmath.jsonl \
		>$@.tmp && mv $@.tmp $@

# the manifest records every source stage's and dedup's counts (--stage-summary)
$(B)/manifest.json: $(B)/stages/unique.jsonl $(RECIPE) $(BIN)/blend
	@echo "== blend" >&2
	@blend -q --recipe $(RECIPE) $(if $(SEED),--seed $(SEED)) --val $(VAL) --keep-fields id,source,n_tokens \
		--lock $(B)/lock.jsonl $$(for f in $(B)/summaries/*.*-*.json $(B)/summaries/8-dedup.json; do printf -- " --stage-summary %s" "$$f"; done) \
		--summary $(B)/summaries/9-blend.json --out-dir $(B) $<

$(B)/checked: $(B)/manifest.json $(BIN)/sft-check
	@echo "== sft-check" >&2
	@sft-check -q --summary $(B)/summaries/10-sft-check.json $(B)/train.jsonl $(B)/validation.jsonl >/dev/null
	@touch $@

$(B)/report.html: $(B)/checked $(BIN)/sft-report
	@echo "== sft-report" >&2
	@sft-report --manifest $(B)/manifest.json --summaries $(B)/summaries $(SOURCES:%=--decontam $(B)/stages/%.decontam.report.jsonl) \
		-o $@ $(B)/train.jsonl $(B)/validation.jsonl

.PHONY: all
.DELETE_ON_ERROR:
