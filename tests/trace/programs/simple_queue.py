"""A SimpleQueue both ways: main sends words, the child sends them back upper-cased."""

import multiprocessing


def shout(inbox, outbox):
    while (word := inbox.get()) != "":
        outbox.put(word.upper())
    outbox.put("")


if __name__ == "__main__":
    inbox = multiprocessing.SimpleQueue()
    outbox = multiprocessing.SimpleQueue()
    p = multiprocessing.Process(target=shout, args=(inbox, outbox))
    p.start()
    for word in ["alpha", "beta", "gamma", ""]:
        inbox.put(word)
    while (word := outbox.get()) != "":
        print(word)
    print("empty now:", outbox.empty())
    p.join()
