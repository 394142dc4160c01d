import multiprocessing


def print_records(records):
    # Each step of this loop asks the manager's server process for one item.
    for record in records:
        print("Name: {}\nScore: {}\n".format(record[0], record[1]))


def insert_record(record, records):
    # The append runs in the server process, on the one real list.
    records.append(record)
    print("New record added!\n")


if __name__ == "__main__":
    with multiprocessing.Manager() as manager:
        # The list lives in the manager's server process; `records` is a proxy to it.
        records = manager.list([("Sam", 10), ("Adam", 9), ("Kevin", 9)])
        new_record = ("Jeff", 8)

        p1 = multiprocessing.Process(target=insert_record, args=(new_record, records))
        p2 = multiprocessing.Process(target=print_records, args=(records,))

        # One after the other: p2 starts only when p1's record is in.
        p1.start()
        p1.join()

        p2.start()
        p2.join()
