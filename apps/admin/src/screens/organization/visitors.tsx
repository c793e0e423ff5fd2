export default function Placeholder() {
  return <p>Soon.</p>;
}
