-- A quiet outbox row's message is handed to its writer's relay in memory once the
-- writing transaction has committed (common.db.outbox.hand_over): the relay publishes
-- it and deletes the row by message id in one statement, without reading it back.
-- That was four round trips and a transaction of its own per relay round (BEGIN,
-- SELECT ... FOR UPDATE, DELETE, COMMIT), most of the outbox's cost at a steady trickle
-- of orders. The index serves that delete.
CREATE INDEX outbox_message_id ON outbox (message_id);
